/** What the bench starts for the floor: dist/bench-floor.cjs, read in pieces as dist/app/main.cjs reads the app. */
import { join } from 'node:path';
import { runInPieces } from '../../src/app/load-in-pieces.js';

runInPieces(join(__dirname, 'bench-floor.cjs'), module);
