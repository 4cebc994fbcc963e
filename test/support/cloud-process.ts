/**
 * A local cloud in a process of its own, for tests that kill it: `tsx cloud-process.ts <dataDir>
 * <assemblyDir>` starts the same cloud as startTestCloud (free ports, the run's assembly) and prints
 * one line, `ready`, once it serves; `cloud.json` in the data folder says where.
 */
import { startLocalCloud } from '../../lib/local/cloud.ts';

const [dataDir, assemblyDir] = process.argv.slice(2);
const cloud = await startLocalCloud({ dataDir: dataDir!, ports: { api: 0, s3: 0, dynamodb: 0, control: 0 }, schedules: false, retryDelaySeconds: 0.1, assemblyDir });
process.on('SIGTERM', () => void cloud.stop().then(() => process.exit(0)));
process.stdout.write('ready\n');
