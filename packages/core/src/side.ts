/** Which end of a connection: the one that listened or the one that connected. */
export type Side = 'server' | 'client';
