/**
 * The list of migrations, in order. Static imports rather than a folder scan so the
 * list survives bundling and works the same from src/ (tsx) and dist/ (tsc).
 * Add a migration: create NNNN_name.ts next to this file and append it here.
 * Never edit or reorder a migration that has been released.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_hash_banks.js';
import * as m0002 from './0002_scan_pipeline.js';
import * as m0003 from './0003_evidence_log.js';
import * as m0004 from './0004_evidence_vault.js';
import * as m0005 from './0005_accounts.js';
import * as m0006 from './0006_cases.js';
import * as m0007 from './0007_victims.js';
import * as m0008 from './0008_tips.js';
import * as m0009 from './0009_takedowns.js';
import * as m0010 from './0010_lineage.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_hash_banks': m0001,
  '0002_scan_pipeline': m0002,
  '0003_evidence_log': m0003,
  '0004_evidence_vault': m0004,
  '0005_accounts': m0005,
  '0006_cases': m0006,
  '0007_victims': m0007,
  '0008_tips': m0008,
  '0009_takedowns': m0009,
  '0010_lineage': m0010,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...MIGRATIONS };
  },
};
