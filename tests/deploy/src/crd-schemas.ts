/**
 * Strict JSON Schemas for the custom resources CartWatch ships: CloudNativePG `Cluster` and
 * `ScheduledBackup` (postgresql.cnpg.io/v1), the plugin's `ObjectStore`, cert-manager's `ClusterIssuer`, the Flux objects (GitRepository, HelmRepository,
 * HelmRelease, Kustomization) and the Prometheus Operator's `PodMonitor` and `PrometheusRule`
 * (monitoring.coreos.com/v1; their full upstream schemas also run through
 * @kubernetes-models/prometheus-operator's validators). Field names follow the upstream CRDs (CloudNativePG 1.30, its Barman Cloud plugin 0.13, cert-manager 1.21, Flux 2.4);
 * every object level we use lists its fields with `additionalProperties: false`, so a misspelt or
 * misplaced field fails the test command the way `kubectl apply --validate=strict` would. Branches we
 * do not use are typed loosely (`{}` = any); for Flux, the full upstream schemas also run through
 * @kubernetes-models/flux-cd's validators (types, enums, required fields).
 */
type Schema = Record<string, unknown>;

const any: Schema = {};
const str: Schema = { type: 'string', minLength: 1 };
const bool: Schema = { type: 'boolean' };
const int = (minimum = 0): Schema => ({ type: 'integer', minimum });
const duration: Schema = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' };
const strings: Schema = { type: 'array', items: str };
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };

/** An object whose fields are exactly `properties` (a subset required). */
function obj(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', properties, required, additionalProperties: false };
}

const localRef = obj({ name: str }, ['name']);
const secretKeyRef = obj({ name: str, key: str }, ['name', 'key']);
const quantity: Schema = { type: ['string', 'number'] };
const resources = obj({
  requests: { type: 'object', additionalProperties: quantity },
  limits: { type: 'object', additionalProperties: quantity },
  claims: any,
});
const crossNamespaceRef = obj({ apiVersion: str, kind: str, name: str, namespace: str }, ['kind', 'name']);

function resource(apiVersion: string, kind: string, spec: Schema): Schema {
  // metadata is checked field by field against the Kubernetes ObjectMeta model elsewhere.
  return obj(
    { apiVersion: { const: apiVersion }, kind: { const: kind }, metadata: { type: 'object' }, spec },
    ['apiVersion', 'kind', 'metadata', 'spec'],
  );
}

// --- CloudNativePG -------------------------------------------------------------------------------

const storage = obj({ size: str, storageClass: str, resizeInUseVolumes: bool, pvcTemplate: any });

const barmanObjectStore = obj(
  {
    destinationPath: { type: 'string', pattern: '^(s3|gs|https?)://' },
    endpointURL: str,
    endpointCA: secretKeyRef,
    serverName: str,
    s3Credentials: obj({
      accessKeyId: secretKeyRef,
      secretAccessKey: secretKeyRef,
      region: secretKeyRef,
      sessionToken: secretKeyRef,
      inheritFromIAMRole: bool,
    }),
    azureCredentials: any,
    googleCredentials: any,
    wal: obj({
      compression: { enum: ['bzip2', 'gzip', 'lz4', 'snappy', 'xz', 'zstd'] },
      encryption: { enum: ['AES256', 'aws:kms'] },
      maxParallel: int(1),
      archiveAdditionalCommandArgs: strings,
      restoreAdditionalCommandArgs: strings,
    }),
    data: obj({
      compression: { enum: ['bzip2', 'gzip', 'lz4', 'snappy', 'xz', 'zstd'] },
      encryption: { enum: ['AES256', 'aws:kms'] },
      jobs: int(1),
      immediateCheckpoint: bool,
      additionalCommandArgs: strings,
    }),
    tags: stringMap,
    historyTags: stringMap,
  },
  ['destinationPath'],
);

const managedRole = obj(
  {
    name: str,
    comment: { type: 'string' },
    ensure: { enum: ['present', 'absent'] },
    login: bool,
    superuser: bool,
    createdb: bool,
    createrole: bool,
    inherit: bool,
    replication: bool,
    bypassrls: bool,
    connectionLimit: { type: 'integer', minimum: -1 },
    validUntil: str,
    inRoles: strings,
    passwordSecret: localRef,
    disablePassword: bool,
  },
  ['name'],
);

export const cnpgClusterSchema = resource(
  'postgresql.cnpg.io/v1',
  'Cluster',
  obj(
    {
      description: str,
      inheritedMetadata: any,
      imageName: str,
      imageCatalogRef: any,
      imagePullPolicy: { enum: ['Always', 'Never', 'IfNotPresent'] },
      schedulerName: str,
      postgresUID: int(),
      postgresGID: int(),
      instances: int(1),
      minSyncReplicas: int(),
      maxSyncReplicas: int(),
      postgresql: obj({
        parameters: stringMap,
        synchronous: obj(
          {
            method: { enum: ['any', 'first'] },
            number: int(1),
            standbyNamesPre: strings,
            standbyNamesPost: strings,
            maxStandbyNamesFromCluster: int(),
            dataDurability: { enum: ['required', 'preferred'] },
          },
          ['method', 'number'],
        ),
        pg_hba: strings,
        pg_ident: strings,
        syncReplicaElectionConstraint: any,
        shared_preload_libraries: strings,
        ldap: any,
        promotionTimeout: int(),
        enableAlterSystem: bool,
        extensions: any,
      }),
      replicationSlots: any,
      bootstrap: obj({
        initdb: obj({
          database: str,
          owner: str,
          secret: localRef,
          options: strings,
          dataChecksums: bool,
          encoding: str,
          localeCollate: str,
          localeCType: str,
          locale: str,
          localeProvider: str,
          icuLocale: str,
          icuRules: str,
          builtinLocale: str,
          walSegmentSize: int(1),
          postInitSQL: strings,
          postInitApplicationSQL: strings,
          postInitTemplateSQL: strings,
          postInitSQLRefs: any,
          postInitApplicationSQLRefs: any,
          postInitTemplateSQLRefs: any,
          import: any,
        }),
        recovery: any,
        pg_basebackup: any,
      }),
      replica: any,
      superuserSecret: localRef,
      enableSuperuserAccess: bool,
      certificates: any,
      imagePullSecrets: any,
      storage,
      walStorage: storage,
      serviceAccountTemplate: any,
      ephemeralVolumeSource: any,
      startDelay: int(),
      stopDelay: int(),
      smartShutdownTimeout: int(),
      switchoverDelay: int(),
      failoverDelay: int(),
      livenessProbeTimeout: int(),
      affinity: obj({
        enablePodAntiAffinity: bool,
        topologyKey: str,
        nodeSelector: stringMap,
        nodeAffinity: any,
        tolerations: any,
        podAntiAffinityType: { enum: ['preferred', 'required'] },
        additionalPodAntiAffinity: any,
        additionalPodAffinity: any,
      }),
      topologySpreadConstraints: any,
      resources,
      ephemeralVolumesSizeLimit: any,
      priorityClassName: str,
      primaryUpdateStrategy: { enum: ['unsupervised', 'supervised'] },
      primaryUpdateMethod: { enum: ['switchover', 'restart'] },
      backup: obj({
        barmanObjectStore,
        retentionPolicy: { type: 'string', pattern: '^[1-9][0-9]*[dwm]$' },
        target: { enum: ['primary', 'prefer-standby'] },
        volumeSnapshot: any,
      }),
      nodeMaintenanceWindow: any,
      monitoring: any,
      externalClusters: any,
      logLevel: { enum: ['error', 'warning', 'info', 'debug', 'trace'] },
      projectedVolumeTemplate: any,
      env: any,
      envFrom: any,
      managed: obj({ roles: { type: 'array', items: managedRole }, services: any }),
      seccompProfile: any,
      tablespaces: any,
      enablePDB: bool,
      plugins: {
        type: 'array',
        items: obj({ name: str, enabled: bool, isWALArchiver: bool, parameters: stringMap }, ['name']),
      },
      probes: any,
    },
    ['instances', 'storage'],
  ),
);

export const cnpgScheduledBackupSchema = resource(
  'postgresql.cnpg.io/v1',
  'ScheduledBackup',
  obj(
    {
      suspend: bool,
      immediate: bool,
      // CloudNativePG schedules have six fields (seconds first).
      schedule: { type: 'string', pattern: '^\\S+( \\S+){5}$' },
      cluster: localRef,
      backupOwnerReference: { enum: ['none', 'self', 'cluster'] },
      target: { enum: ['primary', 'prefer-standby'] },
      method: { enum: ['barmanObjectStore', 'volumeSnapshot', 'plugin'] },
      pluginConfiguration: obj({ name: str, parameters: stringMap }, ['name']),
      online: bool,
      onlineConfiguration: any,
    },
    ['schedule', 'cluster'],
  ),
);

// --- Barman Cloud plugin for CloudNativePG (barmancloud.cnpg.io/v1) -------------------------------

/** The plugin's ObjectStore: `configuration` is the in-tree `barmanObjectStore`, moved. */
export const barmanObjectStoreSchema = resource(
  'barmancloud.cnpg.io/v1',
  'ObjectStore',
  obj(
    {
      configuration: barmanObjectStore,
      retentionPolicy: { type: 'string', pattern: '^[1-9][0-9]*[dwm]$' },
      instanceSidecarConfiguration: obj({
        env: any,
        resources,
        retentionPolicyIntervalSeconds: int(1),
        logLevel: { enum: ['error', 'warning', 'info', 'debug', 'trace'] },
        additionalContainerArgs: strings,
      }),
      serverRecoveryWindow: any,
    },
    ['configuration'],
  ),
);

// --- Flux ----------------------------------------------------------------------------------------

export const gitRepositorySchema = resource(
  'source.toolkit.fluxcd.io/v1',
  'GitRepository',
  obj(
    {
      url: { type: 'string', pattern: '^(https?|ssh)://' },
      secretRef: localRef,
      provider: { enum: ['generic', 'azure', 'github'] },
      interval: duration,
      timeout: duration,
      ref: obj({ branch: str, tag: str, semver: str, name: str, commit: str }),
      verify: any,
      proxySecretRef: localRef,
      ignore: { type: 'string' },
      suspend: bool,
      recurseSubmodules: bool,
      include: any,
      sparseCheckout: strings,
    },
    ['url', 'interval'],
  ),
);

export const helmRepositorySchema = resource(
  'source.toolkit.fluxcd.io/v1',
  'HelmRepository',
  obj(
    {
      url: { type: 'string', pattern: '^(https?|oci)://' },
      secretRef: localRef,
      certSecretRef: localRef,
      passCredentials: bool,
      interval: duration,
      insecure: bool,
      timeout: duration,
      suspend: bool,
      accessFrom: any,
      type: { enum: ['default', 'oci'] },
      provider: { enum: ['generic', 'aws', 'azure', 'gcp'] },
    },
    ['url'],
  ),
);

const remediation = obj({
  retries: { type: 'integer' },
  ignoreTestFailures: bool,
  remediateLastFailure: bool,
  strategy: { enum: ['rollback', 'uninstall'] },
});

export const helmReleaseSchema = resource(
  'helm.toolkit.fluxcd.io/v2',
  'HelmRelease',
  obj(
    {
      chart: obj(
        {
          spec: obj(
            {
              chart: str,
              version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+' },
              sourceRef: crossNamespaceRef,
              interval: duration,
              reconcileStrategy: { enum: ['ChartVersion', 'Revision'] },
              valuesFiles: strings,
              ignoreMissingValuesFiles: bool,
              verify: any,
            },
            ['chart', 'version', 'sourceRef'],
          ),
          metadata: any,
        },
        ['spec'],
      ),
      chartRef: any,
      interval: duration,
      kubeConfig: any,
      suspend: bool,
      releaseName: str,
      targetNamespace: str,
      storageNamespace: str,
      dependsOn: { type: 'array', items: obj({ name: str, namespace: str }, ['name']) },
      timeout: duration,
      maxHistory: int(),
      serviceAccountName: str,
      persistentClient: bool,
      driftDetection: any,
      install: obj({
        timeout: duration,
        remediation,
        disableWait: bool,
        disableWaitForJobs: bool,
        disableHooks: bool,
        disableOpenAPIValidation: bool,
        disableSchemaValidation: bool,
        replace: bool,
        skipCRDs: bool,
        crds: { enum: ['Skip', 'Create', 'CreateReplace'] },
        createNamespace: bool,
      }),
      upgrade: obj({
        timeout: duration,
        remediation,
        disableWait: bool,
        disableWaitForJobs: bool,
        disableHooks: bool,
        disableOpenAPIValidation: bool,
        disableSchemaValidation: bool,
        force: bool,
        preserveValues: bool,
        cleanupOnFail: bool,
        crds: { enum: ['Skip', 'Create', 'CreateReplace'] },
      }),
      test: any,
      rollback: any,
      uninstall: any,
      valuesFrom: any,
      values: { type: 'object' },
      postRenderers: any,
      commonMetadata: any,
    },
    ['interval'],
  ),
);

export const fluxKustomizationSchema = resource(
  'kustomize.toolkit.fluxcd.io/v1',
  'Kustomization',
  obj(
    {
      dependsOn: { type: 'array', items: obj({ name: str, namespace: str }, ['name']) },
      decryption: any,
      interval: duration,
      retryInterval: duration,
      kubeConfig: any,
      path: { type: 'string', pattern: '^\\./' },
      postBuild: any,
      prune: bool,
      deletionPolicy: { enum: ['MirrorPrune', 'Delete', 'Orphan'] },
      healthChecks: any,
      healthCheckExprs: any,
      namePrefix: str,
      nameSuffix: str,
      patches: any,
      images: any,
      serviceAccountName: str,
      sourceRef: crossNamespaceRef,
      suspend: bool,
      targetNamespace: str,
      timeout: duration,
      force: bool,
      wait: bool,
      components: strings,
      commonMetadata: any,
    },
    ['interval', 'prune', 'sourceRef'],
  ),
);

// --- Prometheus Operator (monitoring.coreos.com/v1, kube-prometheus-stack) --------------------------

const labelSelector = obj({ matchLabels: stringMap, matchExpressions: any });

export const podMonitorSchema = resource(
  'monitoring.coreos.com/v1',
  'PodMonitor',
  obj(
    {
      selector: labelSelector,
      namespaceSelector: obj({ any: bool, matchNames: strings }),
      podMetricsEndpoints: {
        type: 'array',
        minItems: 1,
        items: obj(
          {
            port: str,
            portNumber: int(1),
            path: { type: 'string', pattern: '^/' },
            scheme: { enum: ['http', 'https'] },
            interval: duration,
            scrapeTimeout: duration,
            honorLabels: bool,
            relabelings: any,
            metricRelabelings: any,
          },
          [],
        ),
      },
      jobLabel: str,
      podTargetLabels: strings,
      sampleLimit: int(0),
    },
    ['selector', 'podMetricsEndpoints'],
  ),
);

const alertingRule = obj(
  {
    alert: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    expr: str,
    for: duration,
    keep_firing_for: duration,
    labels: stringMap,
    annotations: stringMap,
  },
  ['alert', 'expr'],
);

export const prometheusRuleSchema = resource(
  'monitoring.coreos.com/v1',
  'PrometheusRule',
  obj(
    {
      groups: {
        type: 'array',
        minItems: 1,
        items: obj(
          {
            name: str,
            interval: duration,
            rules: { type: 'array', minItems: 1, items: alertingRule },
          },
          ['name', 'rules'],
        ),
      },
    },
    ['groups'],
  ),
);

// --- cert-manager (cert-manager.io/v1) -----------------------------------------------------------

export const clusterIssuerSchema = resource(
  'cert-manager.io/v1',
  'ClusterIssuer',
  obj(
    {
      acme: obj(
        {
          email: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' },
          server: { type: 'string', pattern: '^https://' },
          privateKeySecretRef: localRef,
          skipTLSVerify: bool,
          disableAccountKeyGeneration: bool,
          enableDurationFeature: bool,
          preferredChain: { type: 'string' },
          externalAccountBinding: any,
          caBundle: str,
          profile: str,
          solvers: {
            type: 'array',
            minItems: 1,
            items: obj({
              selector: any,
              dns01: any,
              http01: obj({
                ingress: obj({
                  ingressClassName: str,
                  class: str,
                  name: str,
                  serviceType: str,
                  podTemplate: any,
                  ingressTemplate: any,
                }),
                gatewayHTTPRoute: any,
              }),
            }),
          },
        },
        ['server', 'privateKeySecretRef', 'solvers'],
      ),
      ca: any,
      selfSigned: any,
      vault: any,
      venafi: any,
    },
    [],
  ),
);

/** Strict schema per `apiVersion/kind` for the custom resources. */
export const customResourceSchemas: Record<string, Schema> = {
  'postgresql.cnpg.io/v1/Cluster': cnpgClusterSchema,
  'postgresql.cnpg.io/v1/ScheduledBackup': cnpgScheduledBackupSchema,
  'source.toolkit.fluxcd.io/v1/GitRepository': gitRepositorySchema,
  'source.toolkit.fluxcd.io/v1/HelmRepository': helmRepositorySchema,
  'helm.toolkit.fluxcd.io/v2/HelmRelease': helmReleaseSchema,
  'kustomize.toolkit.fluxcd.io/v1/Kustomization': fluxKustomizationSchema,
  'monitoring.coreos.com/v1/PodMonitor': podMonitorSchema,
  'monitoring.coreos.com/v1/PrometheusRule': prometheusRuleSchema,
  'cert-manager.io/v1/ClusterIssuer': clusterIssuerSchema,
  'barmancloud.cnpg.io/v1/ObjectStore': barmanObjectStoreSchema,
};
