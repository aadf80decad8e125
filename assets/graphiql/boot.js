// GraphiQL against this server: queries and mutations over POST /graphql,
// subscriptions over /graphql/ws. Paste a token into the Headers tab as
// {"Authorization": "Bearer <token>"}; it is kept for this browser tab only
// (sessionStorage) and sent as the socket's connection_init payload too.
(function () {
  var url = new URL('/graphql', window.location.href).href;
  var socket = url.replace(/^http/, 'ws') + '/ws';
  var storage = window.sessionStorage;
  var fetcher = GraphiQL.createFetcher({
    url: url,
    subscriptionUrl: socket,
    wsConnectionParams: function () {
      try {
        return JSON.parse(storage.getItem('graphiql:headers') || '{}');
      } catch (e) {
        return {};
      }
    },
  });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      storage: storage,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: 'headers',
      defaultHeaders: '{"Authorization": "Bearer <paste a token>"}',
      defaultQuery: '{ viewer { organization principal role } }\n',
    })
  );
})();
