// A committed model's version after a command rewrote some of its files (models:quantize, models:index):
// a version's files never change once published, so any change takes the next patch version, and a rerun
// that changes nothing keeps the version it found.

export function bumpPatch(version: string): string {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  return `${major}.${minor}.${patch + 1}`;
}
