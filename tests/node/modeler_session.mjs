// Camunda Modeler's REST session, as its own source makes it (app/lib/zeebe-api/camunda-client-factory.js
// and zeebe-api.js, Modeler 5.47+): the client config it builds for a self-managed endpoint without
// authentication, the topology probe and connection check, a deploy of one file renamed <basename>.bpmn,
// and a start by processDefinitionId; then the searches its task testing makes. Through @camunda8/sdk,
// which Modeler bundles. Prints one JSON line with what Modeler reads; exits 1 on the first failure.
import { readFileSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { Camunda8 } from '@camunda8/sdk'

const [url, file, processId] = process.argv.slice(2)
// _getClientConfig for { type: 'selfHosted', authType: 'none', url }: REST address without '/v2', OAuth off,
// and the port made explicit by _withPortConfig when the URL has none.
const config = { ZEEBE_REST_ADDRESS: url.replace(/\/v2\/?$/, '').replace(/\/+$/, ''), CAMUNDA_OAUTH_DISABLED: true }
if (!new URL(url).port) config.port = new URL(url).protocol === 'https:' ? '443' : '80'

const probe = new Camunda8(config).getCamundaRestClient() // _canConnectWithProtocol: a throw-away client
await probe.getTopology()
const rest = new Camunda8(config).getCamundaRestClient()
const topology = await rest.getTopology() // checkConnection -> getGatewayVersion
// _getCamundaResources: the file's contents under <basename>.bpmn
const name = `${basename(file, extname(file))}.bpmn`
const deployed = await rest.deployResources([{ content: readFileSync(file), name }], undefined)
const entry = deployed.deployments.find((d) => d.processDefinition?.resourceName === name)
// startInstance: the body Modeler builds (undefined members are dropped by JSON)
const started = await rest.createProcessInstance({
  variables: { database: 'orders', regions: ['eu'] },
  startInstructions: undefined,
  runtimeInstructions: undefined,
  tenantId: undefined,
  processDefinitionId: processId,
})
const filter = { filter: { processInstanceKey: started.processInstanceKey } }
const instances = await rest.searchProcessInstances(filter)
const variables = await rest.searchVariables(filter)
const elements = await rest.searchElementInstances(filter)
const incidents = await rest.searchIncidents(filter)
console.log(
  JSON.stringify({
    gatewayVersion: topology.gatewayVersion,
    deploymentKey: deployed.deploymentKey,
    processDefinitionId: entry?.processDefinition.processDefinitionId,
    processInstanceKey: started.processInstanceKey,
    state: instances.items[0]?.state,
    variables: variables.items.map((v) => v.name).sort(),
    elements: elements.items.map((e) => e.elementId),
    incidents: incidents.items.length,
  })
)
