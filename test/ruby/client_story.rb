# The Ruby client's story against tinykube (Debian ruby-kubeclient 4.9): list, create, errors,
# and a watch on the legacy /api/v1/watch/... paths. Prints JSON; test/ruby-client.test.ts checks it.
require 'kubeclient'
require 'json'
c = Kubeclient::Client.new(ARGV[0] + '/api', 'v1')
out = {}
out['namespaces'] = c.get_namespaces.map { |n| n.metadata.name }
pod = Kubeclient::Resource.new(metadata: { name: 'rb', namespace: 'default', labels: { app: 'rb' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] })
out['created'] = c.create_pod(pod).metadata.name
rv = c.get_pods(namespace: 'default').resourceVersion
begin
  c.get_pod('nope', 'default')
rescue Kubeclient::ResourceNotFoundError => e
  out['not_found'] = [e.error_code, e.message]
end
events = []
t = Thread.new do
  watcher = c.watch_pods(namespace: 'default', resource_version: rv)
  watcher.each { |notice| events << [notice.type, notice.object.metadata.name]; break if events.size >= 2 }
end
sleep 0.5
c.patch_pod('rb', { metadata: { labels: { x: '1' } } }, 'default')
c.delete_pod('rb', 'default')
t.join(5)
out['events'] = events
puts JSON.generate(out)
