// What models:quantize and models:index derive from a model's graphs (its int8 variants, its reference
// index) is valid only for those graphs: each records the sha256 of the graph it came from, and the
// manifest schema refuses one that no longer matches. After a retraining the manifest can still name them,
// e.g. when git merges a retrained manifest with one these commands wrote. Each command rebuilds its own
// derivative from scratch; the other one's, when stale, is left out here (and rebuilt by its own command),
// so that the two commands can run in either order over every model.

type Json = Record<string, unknown>;
const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;

/** `json` (a manifest as read) without the variants and the reference index made from other graphs. */
export function withoutStaleDerivatives(json: Json): { manifest: Json; dropped: string[] } {
  const dropped: string[] = [];
  const manifest: Json = { ...json };
  const onnx = field(json['onnx'], 'sha256');
  const generator = field(json['generator'], 'sha256');
  const variants = json['variants'];
  if (typeof variants === 'object' && variants !== null) {
    const current = Object.fromEntries(
      Object.entries(variants).filter(([dtype, variant]) => {
        const source = field(variant, 'source');
        const fresh = field(source, 'onnx') === onnx && field(source, 'generator') === generator;
        if (!fresh) dropped.push(`its ${dtype} variant (made from other graphs)`);
        return fresh;
      }),
    );
    if (Object.keys(current).length > 0) manifest['variants'] = current;
    else delete manifest['variants'];
  }
  const reference = json['reference'];
  if (reference !== undefined && field(reference, 'embeddedBy') !== onnx) {
    dropped.push('its reference index (embedded by another graph)');
    delete manifest['reference'];
    const tasks = json['tasks'];
    if (Array.isArray(tasks)) manifest['tasks'] = tasks.filter((task) => task !== 'neighbors');
  }
  return { manifest, dropped };
}
