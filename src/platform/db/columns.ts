import { integer, text } from 'drizzle-orm/sqlite-core';

/** Column kinds every schema uses: times as epoch milliseconds, JSON as text. */
export const ms = (name: string) => integer(name, { mode: 'timestamp_ms' });
export const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();
