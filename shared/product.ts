export const PRODUCT_NAME = 'Revoada Console';
export const PRODUCT_VERSION = '0.1.0';
