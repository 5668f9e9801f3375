/** placeholder: replaced by the example's public surface. */
export {};
