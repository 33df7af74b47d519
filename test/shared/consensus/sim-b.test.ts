import { simSuite } from './sim-suite';

simSuite(1);
