/**
 * Plain objects made by a constructor instead of an object literal. Pure.
 *
 * An object made by `new Made(a, b)` is equal in every way to the literal `{ x: a, y: b }` it
 * replaces: its prototype is `Object.prototype`, its own properties are the same, in the same
 * order (so JSON, deep equality and spreading see no difference). V8 treats the two differently
 * in one respect: each object literal in the code has an "allocation site", and when most objects
 * of a site are found alive at a collection, V8 makes the site allocate straight into the old
 * generation from then on ("pretenuring"). The record phase of a first sync makes several objects
 * per path (the action, its result, its state change, its events) that die at once; when a full
 * collection caught a few thousand of them alive (marking that began before them counts them as
 * live), their sites were pretenured and the next 1,000,000 paths left about 220 MiB of garbage in
 * the old generation (peak RSS 470–545 instead of about 300 MiB during the record phase, depending
 * on the run). A constructor has no allocation site, so its objects are always allocated young.
 * Use it only for the few objects made by the million.
 */
import { speedTrickOn } from './speed-tricks.js';

/** `T` with its `readonly` properties writable: the type of `this` in a constructor's `init`. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Turns `init` (a `function`, not an arrow function: it is called with `new`) into a constructor
 * of plain objects: `init` sets the properties on `this`, in the order the literal lists them.
 */
export function plainConstructor<A extends unknown[], T extends object>(init: (this: T, ...args: A) => void): new (...args: A) => T {
  if (!speedTrickOn('plain-constructors')) {
    // The plain path: every object starts as the one literal below (an allocation site V8 may
    // pretenure); `new` returns it, with the same properties in the same order.
    return function (...args: A): T {
      const made = {} as T;
      init.apply(made, args);
      return made;
    } as unknown as new (...args: A) => T;
  }
  (init as unknown as { prototype: object }).prototype = Object.prototype;
  return init as unknown as new (...args: A) => T;
}
