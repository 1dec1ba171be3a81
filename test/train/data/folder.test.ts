import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../train/data/dataset';
import { loadImageFolder } from '../../../train/data/folder';
import { grayPng, rgbJpeg, ringDigit } from '../../contract/image-fixtures';

let dir: string;

async function put(path: string, bytes: Uint8Array | string) {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), bytes);
}

const messageOf = async (promise: Promise<unknown>): Promise<string> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return (error as Error).message.replaceAll(dir, '<dir>');
};

const blank = () => grayPng(8, 8, new Float32Array(64));
const dark = () => rgbJpeg(8, 8, () => [0, 0, 0]);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'image-folder-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadImageFolder', () => {
  it('should label images by sub-folder, classes and files in sorted order', async () => {
    await put('shoe/b.png', blank());
    await put('shoe/a.JPG', dark());
    await put('bag/only.png', grayPng(28, 28, ringDigit()));
    await put('bag/notes.txt', 'not an image');
    await put('shoe/.hidden.png', 'skipped');
    const data = await loadImageFolder(dir, { name: 'shop' });
    expect([data.name, data.count, data.classNames, [...data.labels]]).toEqual([
      'shop',
      3,
      ['bag', 'shoe'],
      [0, 1, 1],
    ]);
    expect(data.images.length).toBe(3 * 784);
    expect(Math.max(...data.images.subarray(0, 784))).toBeCloseTo(1, 2);
  });

  it('should load a flat folder as an unlabelled dataset named after the folder', async () => {
    await put('one.png', blank());
    await put('two.jpeg', dark());
    const data = await loadImageFolder(dir);
    expect([data.count, data.classNames, [...data.labels], data.name.startsWith('image-folder-')]).toEqual([
      2,
      [],
      [0, 0],
      true,
    ]);
  });

  it('should name the image that cannot be decoded', async () => {
    await put('cats/good.png', blank());
    await put('cats/broken.png', 'this is not a PNG');
    expect(await messageOf(loadImageFolder(dir))).toMatchInlineSnapshot(
      `"Image <dir>/cats/broken.png: Unsupported image format: expected PNG or JPEG"`,
    );
  });

  it('should refuse a folder without images, and one mixing images with class folders', async () => {
    await put('readme.md', '# nothing here');
    expect(await messageOf(loadImageFolder(dir))).toMatchInlineSnapshot(
      `"Image folder <dir> holds no PNG or JPEG images (looked for .png, .jpg, .jpeg, directly or in class sub-folders)"`,
    );
    await put('loose.png', blank());
    await put('class/inside.png', blank());
    expect(await messageOf(loadImageFolder(dir))).toMatchInlineSnapshot(
      `"Image folder <dir> mixes images (loose.png …) with sub-folders (class …): put all images either directly in it (unlabelled) or in one sub-folder per class (labelled)"`,
    );
  });

  it('should refuse a folder that does not exist', async () => {
    expect(await messageOf(loadImageFolder(join(dir, 'missing')))).toMatch(
      /^Image folder <dir>\/missing cannot be read: ENOENT/,
    );
  });
});
