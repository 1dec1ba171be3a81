// A folder of PNG / JPEG images as a dataset: either the images themselves (unlabelled), or one
// sub-folder per class whose name is the class name (labelled, classes in sorted order).
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { IMAGE_PIXELS } from '../../worker/contract/image';
import {
  DEFAULT_IMAGE_LIMITS,
  ImageDecodeError,
  type ImageLimits,
  imageTo28x28,
} from '../../worker/contract/image-decode';
import { type Dataset, DatasetError } from './dataset';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
/** Labels are stored as bytes. */
const MAX_CLASSES = 256;

export interface ImageFolderOptions {
  /** Dataset name; defaults to the folder's name. */
  name?: string;
  limits?: ImageLimits;
}

function isImageFile(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

async function listFolder(dir: string): Promise<{ images: string[]; folders: string[] }> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new DatasetError(`Image folder ${dir} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const images = entries.filter((e) => e.isFile() && isImageFile(e.name)).map((e) => e.name);
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  return { images: images.sort(), folders: folders.sort() };
}

/** The (file, label) pairs in a stable order: class by class, files sorted by name. */
async function collectFiles(
  dir: string,
): Promise<{ files: { path: string; label: number }[]; classNames: string[] }> {
  const top = await listFolder(dir);
  if (top.images.length > 0 && top.folders.length > 0) {
    throw new DatasetError(
      `Image folder ${dir} mixes images (${top.images[0]} …) with sub-folders (${top.folders[0]} …): ` +
        'put all images either directly in it (unlabelled) or in one sub-folder per class (labelled)',
    );
  }
  if (top.images.length > 0) {
    return { files: top.images.map((name) => ({ path: join(dir, name), label: 0 })), classNames: [] };
  }
  if (top.folders.length > MAX_CLASSES) {
    throw new DatasetError(
      `Image folder ${dir} has ${top.folders.length} class folders; at most ${MAX_CLASSES}`,
    );
  }
  const files: { path: string; label: number }[] = [];
  for (const [label, folder] of top.folders.entries()) {
    const { images } = await listFolder(join(dir, folder));
    for (const name of images) files.push({ path: join(dir, folder, name), label });
  }
  return { files, classNames: top.folders };
}

/**
 * Loads every .png / .jpg / .jpeg of `dir` (hidden files and other extensions are skipped),
 * converted by {@link imageTo28x28}. An unreadable or undecodable image is an error naming it.
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions = {}): Promise<Dataset> {
  const { files, classNames } = await collectFiles(dir);
  if (files.length === 0) {
    throw new DatasetError(
      `Image folder ${dir} holds no PNG or JPEG images (looked for .png, .jpg, .jpeg, directly or in class sub-folders)`,
    );
  }
  const images = new Float32Array(files.length * IMAGE_PIXELS);
  const labels = new Uint8Array(files.length);
  for (const [i, file] of files.entries()) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file.path));
    } catch (error) {
      throw new DatasetError(`Image ${file.path} cannot be read: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      images.set(imageTo28x28(bytes, options.limits ?? DEFAULT_IMAGE_LIMITS), i * IMAGE_PIXELS);
    } catch (error) {
      if (!(error instanceof ImageDecodeError)) throw error;
      throw new DatasetError(`Image ${file.path}: ${error.message}`, { cause: error });
    }
    labels[i] = file.label;
  }
  return { name: options.name ?? basename(dir), images, labels, count: files.length, classNames };
}
