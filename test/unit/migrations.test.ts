/**
 * The migrations Workers run are exactly drizzle-kit's: the bundled copy matches migrations/.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderBundle } from '../../src/platform/db/bundle-migrations';

describe('bundled migrations', () => {
  it('match the migrations folder (run `npm run db:generate` after a schema change)', () => {
    const root = join(import.meta.dirname, '../..');
    expect(readFileSync(join(root, 'src/platform/db/migrations.generated.ts'), 'utf8')).toBe(renderBundle(join(root, 'migrations')));
  });
});
