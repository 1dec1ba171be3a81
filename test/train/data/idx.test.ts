import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../../train/data/dataset';
import { parseIdxImages, parseIdxLabels } from '../../../train/data/idx';
import { gzip, idxFile, idxImages, idxLabels } from './idx-fixtures';

describe('parseIdxImages', () => {
  it('should read count, size and pixels of a raw file', () => {
    const images = parseIdxImages(idxImages(3), 'images.idx');
    expect([images.count, images.rows, images.cols, images.pixels.length]).toEqual([3, 28, 28, 3 * 784]);
    expect([images.pixels[0], images.pixels[784 + 1], images.pixels[2 * 784 + 2]]).toEqual([10, 20, 30]);
  });

  it('should read the same pixels from a gzip file', () => {
    const raw = parseIdxImages(idxImages(3), 'raw');
    const gzipped = parseIdxImages(gzip(idxImages(3)), 'gz');
    expect(gzipped.pixels).toEqual(raw.pixels);
  });

  it('should refuse a truncated file', () => {
    const file = idxImages(3);
    expect(() =>
      parseIdxImages(file.subarray(0, file.length - 1), 'short.idx'),
    ).toThrowErrorMatchingInlineSnapshot(
      `[DatasetError: short.idx is truncated: its header declares 2352 bytes of data (3 × 28 × 28), the file holds 2351]`,
    );
    expect(() => parseIdxImages(file.subarray(0, 10), 'header.idx')).toThrowErrorMatchingInlineSnapshot(
      `[DatasetError: header.idx is truncated: 10 bytes, shorter than the 16-byte IDX header]`,
    );
  });

  it('should refuse a file with the wrong magic number (labels given as images)', () => {
    expect(() => parseIdxImages(idxLabels([1, 2]), 'labels.idx')).toThrowErrorMatchingInlineSnapshot(
      `[DatasetError: labels.idx is not an IDX images file: magic number 0x00000801, expected 0x00000803]`,
    );
  });

  it('should refuse bytes beyond the declared count', () => {
    const file = idxFile(0x00000803, [2, 28, 28], new Uint8Array(3 * 784));
    expect(() => parseIdxImages(file, 'long.idx')).toThrowErrorMatchingInlineSnapshot(
      `[DatasetError: long.idx has 784 unexpected bytes after the 1568 bytes of data (2 × 28 × 28) its header declares]`,
    );
  });

  it('should refuse a corrupt gzip file', () => {
    const file = gzip(idxImages(3));
    expect(() => parseIdxImages(file.subarray(0, 30), 'cut.gz')).toThrowErrorMatchingInlineSnapshot(
      `[DatasetError: cut.gz is not a valid gzip file (unexpected end of file)]`,
    );
  });

  it('should refuse an empty image set', () => {
    expect(() => parseIdxImages(idxFile(0x00000803, [0, 28, 28], []), 'empty.idx')).toThrow(DatasetError);
  });
});

describe('parseIdxLabels', () => {
  it('should read raw and gzip labels', () => {
    expect([...parseIdxLabels(idxLabels([3, 1, 4]), 'raw').labels]).toEqual([3, 1, 4]);
    expect([...parseIdxLabels(gzip(idxLabels([3, 1, 4])), 'gz').labels]).toEqual([3, 1, 4]);
  });

  it('should refuse a wrong count', () => {
    const file = idxFile(0x00000801, [5], [1, 2, 3]);
    expect(() => parseIdxLabels(file, 'labels.idx')).toThrowErrorMatchingInlineSnapshot(
      `[DatasetError: labels.idx is truncated: its header declares 5 bytes of data, the file holds 3]`,
    );
  });
});
