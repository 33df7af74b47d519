// Entry bundled by proc-cluster.test.ts into a standalone script for child processes.
import { runRaftNodeProcess } from './proc-node';

void runRaftNodeProcess();
