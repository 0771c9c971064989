/**
 * npm run hub:image — builds (or finds cached) the hub image and prints its
 * content tag on stdout, progress on stderr. Exit 2 with cause and fix when
 * no engine answers or the build fails.
 */
import { requireDocker } from './engine.ts';
import { EdgeChaosError, EXIT, formatError } from '../../../common/errors.ts';
import { buildHubImage } from './node-image.ts';

try {
  await requireDocker();
  const { image } = await buildHubImage({ log: (line) => console.error(line) });
  console.log(image);
} catch (err) {
  if (err instanceof EdgeChaosError) {
    process.stderr.write(formatError(err));
    process.exit(EXIT.harness);
  }
  throw err;
}
