/** A condition of docs/configuration.md §4: the process prints one `hypercache-server: fatal: <message>` line and exits 1. */
export class FatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FatalError';
  }
}

export function fatalLine(message: string): string {
  return `hypercache-server: fatal: ${message.replace(/\s*\n\s*/g, ' ')}\n`;
}
