import { simSuite } from './sim-suite';

simSuite(0);
