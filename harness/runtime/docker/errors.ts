import { EdgeChaosError } from '../../../common/errors.ts';

/**
 * Coded errors of the Docker runtime, this folder's share of the one registry
 * (common/errors.ts). Tests assert `code`, never the message.
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

export class DockerError extends EdgeChaosError<DockerErrorCode> {
  constructor(code: DockerErrorCode, message: string, fix: string, options?: ErrorOptions) {
    super(code, message, fix, options);
    this.name = 'DockerError';
  }
}

export const START_ENGINE_FIX =
  'start one with: dockerd --bridge=none --iptables=false &, or run .ci/docker-up';
