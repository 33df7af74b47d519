import type { CliCommand } from '../io';
import { EXIT_OK } from '../io';
import { PRODUCT_NAME, PRODUCT_VERSION } from '../../../shared/product';

export const versionCommand: CliCommand = {
  name: 'version',
  summary: 'print the version',
  usage: 'revoada version',
  async run(_args, io) {
    io.stdout(`${PRODUCT_NAME} ${PRODUCT_VERSION}\n`);
    return EXIT_OK;
  },
};
