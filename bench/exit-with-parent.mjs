// Preloaded (node --import) into a hub the bench starts that does not watch
// its parent itself (the zoo's Socket.IO hub): the bench gives it a pipe on
// stdin, which closes when the bench dies, even by SIGKILL; the hub then exits.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
