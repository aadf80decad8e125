// PostGraphile 5 (preset amber) for the load bench, the tool a user would
// pick instead of journeygraph. The bench copies this file next to the
// packages it installs (target/postgraphile) and runs it with Node 22.
//
// Environment:
//   PGL_CONNECTION  the bench database's URL
//   PGL_PORT        port on 127.0.0.1
//   PGL_WORKERS     1: one process; N > 1: a primary and N workers sharing
//                   the port through Node's cluster module, as PostGraphile
//                   runs behind a process manager in production
//   PGL_POOL        connections per process
"use strict";

const cluster = require("node:cluster");
const http = require("node:http");

const workers = Math.max(1, Number(process.env.PGL_WORKERS || 1));

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code) => {
    console.error(`postgraphile worker ${worker.process.pid} exited (${code})`);
    process.exit(1);
  });
} else {
  const { postgraphile } = require("postgraphile");
  const { PostGraphileAmberPreset } = require("postgraphile/presets/amber");
  const { makePgService } = require("postgraphile/adaptors/pg");
  const { grafserv } = require("postgraphile/grafserv/node");

  const preset = {
    extends: [PostGraphileAmberPreset],
    pgServices: [
      makePgService({
        connectionString: process.env.PGL_CONNECTION,
        schemas: ["public"],
        poolConfig: { max: Math.max(1, Number(process.env.PGL_POOL || 8)) },
      }),
    ],
    grafserv: { graphqlPath: "/graphql", graphiql: false },
    grafast: { explain: false },
  };
  const serv = postgraphile(preset).createServ(grafserv);
  const server = http.createServer();
  serv.addTo(server).catch((e) => {
    console.error("postgraphile failed to start", e);
    process.exit(1);
  });
  server.listen({ host: "127.0.0.1", port: Number(process.env.PGL_PORT) });
}
