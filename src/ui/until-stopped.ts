/** "Until q": the open-loop schedule needs an end; a year is longer than anyone watches a demo. */
export const UNTIL_STOPPED_MS = 365 * 24 * 3600 * 1000;
