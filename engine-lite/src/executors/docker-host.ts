/** Where the Docker Engine API listens, from `DOCKER_HOST` (`unix:///path` or `tcp://host:port`). */
export interface DockerEndpoint {
  /** The address as given, for error messages. */
  address: string;
  /** Origin for HTTP requests (`http://localhost` for a unix socket). */
  origin: string;
  socketPath?: string;
}

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export function parseDockerHost(value: string | undefined = process.env.DOCKER_HOST): DockerEndpoint {
  const address = value && value.trim() !== '' ? value.trim() : DEFAULT_DOCKER_HOST;
  if (address.startsWith('unix://')) {
    const socketPath = address.slice('unix://'.length);
    if (!socketPath.startsWith('/')) {
      throw new Error(
        `DOCKER_HOST ${JSON.stringify(address)} is not a valid unix socket address: use unix:///absolute/path.sock`,
      );
    }
    return { address, origin: 'http://localhost', socketPath };
  }
  const tcp = /^(?:tcp|http):\/\/([^/]+)\/?$/.exec(address);
  if (tcp) return { address, origin: `http://${tcp[1]}` };
  throw new Error(
    `DOCKER_HOST ${JSON.stringify(address)} is not supported: use unix:///path/to/docker.sock or tcp://host:port (TLS is not supported)`,
  );
}
