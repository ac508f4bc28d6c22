import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The one ignored folder everything the local stack downloads lives under (jars, the venv). */
export const RTP = join(ROOT, '.rtp');
/**
 * Where the local stack keeps its state: service data, logs and the record
 * of a running stack. `.rtp` unless RTP_STATE_DIR says otherwise, so a test
 * can run a second stack beside a developer's without sharing data, while
 * both use the downloads in `.rtp`.
 */
export const STATE_DIR = process.env.RTP_STATE_DIR === undefined || process.env.RTP_STATE_DIR === '' ? RTP : resolve(process.env.RTP_STATE_DIR);
export const LOG_DIR = join(STATE_DIR, 'logs');
/** Which state version of each processor is current (written by `rtp replay`); it names tables in this stack's DynamoDB data. */
export const STATE_VERSIONS_FILE = join(STATE_DIR, 'state-versions.json');
/** Maven's repository for the local stack's jars, kept apart from ~/.m2. */
export const MAVEN_REPO = join(RTP, 'maven');
