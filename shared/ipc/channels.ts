// Channel names, apart from the schemas so the sandboxed preload bundle stays tiny.
export const CHANNEL_PREFIX = 'revoada:';
/** The single Electron channel that carries pushed events. */
export const EVENT_CHANNEL = `${CHANNEL_PREFIX}event`;
/** The single Electron invoke channel that carries every query and command. */
export const CALL_CHANNEL = `${CHANNEL_PREFIX}call`;
