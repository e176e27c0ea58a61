/** Entity ids: UUID v7, time-ordered so btree indexes stay append-mostly (docs/architecture.md#data). */
import { uuidv7 } from 'uuidv7';

export function newId(): string {
  return uuidv7();
}
