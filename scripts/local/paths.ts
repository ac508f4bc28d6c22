import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The one ignored folder everything the local stack downloads, creates and logs lives under. */
export const RTP = join(ROOT, '.rtp');
export const LOG_DIR = join(RTP, 'logs');
/** Maven's repository for the local stack's jars, kept apart from ~/.m2. */
export const MAVEN_REPO = join(RTP, 'maven');
