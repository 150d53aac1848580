# The Ruby client's story against tinykube (Debian ruby-kubeclient): list, create, read, patch,
# delete, errors, and a watch on the legacy /api/v1/watch/... paths it uses. Prints JSON;
# test/interop/ruby.test.ts checks it.
require 'kubeclient'
require 'json'
c = Kubeclient::Client.new(ARGV[0] + '/api', 'v1')
out = { 'version' => Kubeclient::VERSION }
out['namespaces'] = c.get_namespaces.map { |n| n.metadata.name }
pod = Kubeclient::Resource.new(metadata: { name: 'rb', namespace: 'default', labels: { app: 'rb' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] })
out['created'] = c.create_pod(pod).metadata.name
out['read'] = c.get_pod('rb', 'default').spec.containers[0].image
rv = c.get_pods(namespace: 'default').resourceVersion
begin
  c.get_pod('nope', 'default')
rescue Kubeclient::ResourceNotFoundError => e
  out['not_found'] = [e.error_code, e.message]
end
begin
  c.create_pod(pod)
rescue Kubeclient::HttpError => e
  out['already_exists'] = [e.error_code, e.message]
end
events = []
t = Thread.new do
  watcher = c.watch_pods(namespace: 'default', resource_version: rv)
  watcher.each { |notice| events << [notice.type, notice.object.metadata.name]; break if events.size >= 2 }
end
sleep 0.5
out['patched'] = c.patch_pod('rb', { metadata: { labels: { x: '1' } } }, 'default').metadata.labels.to_h
c.delete_pod('rb', 'default')
out['deleted'] = c.get_pods(namespace: 'default').map { |p| p.metadata.name }
t.join(5)
out['events'] = events
puts JSON.generate(out)
