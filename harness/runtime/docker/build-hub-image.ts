/**
 * npm run hub:image — builds (or finds cached) the hub image and prints its
 * content tag on stdout, progress on stderr. Exit 2 with cause and fix when
 * no engine answers or the build fails.
 */
import { requireDocker } from './engine.ts';
import { DockerError } from './errors.ts';
import { buildHubImage } from './node-image.ts';

try {
  await requireDocker();
  const { image } = await buildHubImage({ log: (line) => console.error(line) });
  console.log(image);
} catch (err) {
  if (err instanceof DockerError) {
    console.error(`error ${err.code}: ${err.message}`);
    console.error(`fix: ${err.fix}`);
    process.exit(2);
  }
  throw err;
}
