/**
 * Coded errors of the Docker runtime. Tests assert `code`, never the message;
 * the CLI prints `message` (what went wrong) and `fix` (what to do) and exits 2.
 *
 * Kept local to this folder until the harness grows a shared error registry;
 * the codes are stable either way.
 */
export const DockerErrorCode = {
  /** No Docker engine answers. */
  unavailable: 'EC_DOCKER_UNAVAILABLE',
  /** A docker command or API call failed. */
  command: 'EC_DOCKER_COMMAND',
  /** The host has no file the image needs (node binary, a shared library). */
  imageInput: 'EC_DOCKER_IMAGE_INPUT',
  /** A container exited or timed out before its wait strategy was satisfied. */
  startup: 'EC_DOCKER_STARTUP',
  /** A builder was given an option it cannot use. */
  option: 'EC_DOCKER_OPTION',
} as const;

export type DockerErrorCode = (typeof DockerErrorCode)[keyof typeof DockerErrorCode];

export class DockerError extends Error {
  override readonly name = 'DockerError';
  readonly code: DockerErrorCode;
  /** One line telling the user what to do about it. */
  readonly fix: string;

  constructor(code: DockerErrorCode, message: string, fix: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.fix = fix;
  }
}

export const START_ENGINE_FIX =
  'start one with: dockerd --bridge=none --iptables=false &, or run .ci/docker-up';
