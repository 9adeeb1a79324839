/** The clock is injectable so that ages and file names are testable: FLIGHT_RULES_NOW=<ISO date>. */
export function now(env: NodeJS.ProcessEnv = process.env): Date {
  const injected = env.FLIGHT_RULES_NOW;
  if (injected) {
    const date = new Date(injected);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return new Date();
}
