// The registry of training methods: `npm run train -- <method>` looks them up here.
import { ae } from './ae';
import type { Method } from './method';

export const METHODS: Readonly<Record<string, Method>> = Object.freeze({ ae });
