/** The database engines: a module of its own, so that migrations name it without a cycle. */
export type Engine = 'sqlite' | 'postgres';
