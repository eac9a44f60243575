// Camunda 8's Node client (@camunda8/sdk), unchanged: deploy the Camunda 8 example, start it, and let
// the SDK's REST job workers complete it. Configured only by the SDK's own environment variables
// (ZEEBE_REST_ADDRESS, CAMUNDA_AUTH_STRATEGY, CAMUNDA_BASIC_AUTH_USERNAME/PASSWORD).
// Prints one JSON line: {"processInstanceKey", "state", "jobs": [[type, detail], ...]}; exits 1 on failure.
import { Camunda8 } from '@camunda8/sdk'

const [example, timeoutMs = '60000'] = process.argv.slice(2)
const c8 = new Camunda8()
const rest = c8.getCamundaRestClient()
const jobs = []

const deployed = await rest.deployResourcesFromFiles([example])
const processId = deployed.processes[0].processDefinitionId
const created = await rest.createProcessInstance({
  processDefinitionId: processId,
  variables: { database: 'orders', regions: ['eu-west', 'us-east', 'ap-south'] },
})

const workers = [
  rest.createJobWorker({
    type: 'create-database',
    worker: 'node-sdk',
    timeout: 30000,
    maxJobsToActivate: 5,
    jobHandler: (job) => {
      jobs.push(['create-database', job.variables.region])
      return job.complete({ regionDatabase: `${job.variables.region}-db` })
    },
  }),
  rest.createJobWorker({
    type: 'create-replication',
    worker: 'node-sdk',
    timeout: 30000,
    maxJobsToActivate: 5,
    jobHandler: (job) => {
      jobs.push(['create-replication', job.variables.regionDatabases.join(',')])
      return job.complete({ replicated: true })
    },
  }),
]

const deadline = Date.now() + Number(timeoutMs)
let state = 'ACTIVE'
while (Date.now() < deadline) {
  const found = await rest.searchProcessInstances({ filter: { processInstanceKey: created.processInstanceKey } })
  state = found.items[0]?.state ?? 'MISSING'
  if (state !== 'ACTIVE') break
  await new Promise((resolve) => setTimeout(resolve, 200))
}
for (const worker of workers) worker.stop()
console.log(JSON.stringify({ processInstanceKey: created.processInstanceKey, state, jobs }))
process.exit(state === 'COMPLETED' ? 0 : 1)
