// Types for postgres.mjs, so TypeScript tests and benchmarks can import it.
export interface PostgresHandle {
  /** postgres://postgres@127.0.0.1:<port>/wickr_test */
  url: string;
  port: number;
  /** The temporary directory holding the cluster (removed by stopPostgres). */
  dir: string;
  bin: string;
}

export function findPostgresBin(): string;
export function startPostgres(options?: { bin?: string; tmpDir?: string }): Promise<PostgresHandle>;
export function restartPostgres(handle: PostgresHandle, mode?: 'fast' | 'immediate'): Promise<void>;
export function stopPostgres(handle: PostgresHandle | undefined): void;
export function createTestDatabase(
  baseUrl?: string,
): Promise<{ url: string; drop(): Promise<void> }>;
