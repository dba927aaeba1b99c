import type { TestProject } from 'vitest/node';
import { postgresBinDir, startPostgres } from './postgres';

/** globalSetup of the postgresql project: one throwaway cluster for the run, stopped at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error('PostgreSQL not found under /usr/lib/postgresql: .ci/run must install it');
  const cluster = await startPostgres(binDir);
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}
