/** Something that went wrong with one path, reported without stopping the run. */
import type { RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';

export interface Problem {
  readonly side?: Side;
  readonly path?: RelPath | string;
  /** One line, for a person. */
  readonly message: string;
}
