/**
 * Port blocks: each live session holds base + k * blockSize .. + blockSize - 1 for a k no
 * other session holds. The first choice is a hash of the name, so a name tends to get the
 * same ports again; the next free block follows. Run inside the manifest update, under the
 * lock, so two starts never pick the same block.
 */
import { createHash } from 'node:crypto';
import type { PortSettings } from '../core/config.js';
import type { PortBlock } from '../core/manifest-types.js';

export function preferredBlockIndex(name: string, blocks: number): number {
  const digest = createHash('sha256').update(name).digest();
  return digest.readUInt32BE(0) % blocks;
}

/** A block overlapping no held one, or null when every block is taken. */
export function allocatePortBlock(held: readonly PortBlock[], name: string, settings: PortSettings): PortBlock | null {
  const overlaps = (base: number) =>
    held.some((block) => base < block.base + block.count && block.base < base + settings.blockSize);
  const first = preferredBlockIndex(name, settings.blocks);
  for (let step = 0; step < settings.blocks; step++) {
    const base = settings.base + ((first + step) % settings.blocks) * settings.blockSize;
    if (!overlaps(base)) return { base, count: settings.blockSize };
  }
  return null;
}

export function describePortBlock(block: PortBlock): string {
  return block.count === 1 ? `${block.base}` : `${block.base}-${block.base + block.count - 1}`;
}
