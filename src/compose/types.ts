/** A service in the normalized long syntax (normalize.ts, project.ts): the fields the commands read. */

export interface PortConfig {
  mode?: string;
  host_ip?: string;
  target: number;
  published?: string;
  protocol?: string;
}

export interface VolumeMount {
  type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image';
  source?: string;
  target: string;
  read_only?: boolean;
  bind?: { create_host_path?: boolean; propagation?: string; selinux?: string };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: number | string; mode?: number };
}

export interface Dependency {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  restart?: boolean;
  required: boolean;
}

export interface Healthcheck {
  test?: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  start_interval?: string;
  disable?: boolean;
}

export interface BuildConfig {
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  network?: string;
  no_cache?: boolean;
  pull?: boolean;
  shm_size?: string | number;
  extra_hosts?: string[] | Record<string, string>;
  tags?: string[];
  cache_from?: string[];
}

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  priority?: number;
  gw_priority?: number;
  mac_address?: string;
}

export interface Service {
  image?: string;
  build?: BuildConfig;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  labels?: Record<string, string>;
  ports?: PortConfig[];
  expose?: string[];
  volumes?: VolumeMount[];
  tmpfs?: string[];
  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  depends_on?: Record<string, Dependency>;
  healthcheck?: Healthcheck;
  restart?: string;
  deploy?: { replicas?: number; resources?: { limits?: { cpus?: string | number; memory?: string; pids?: number }; reservations?: { memory?: string } }; restart_policy?: { condition?: string; max_attempts?: number } };
  scale?: number;
  user?: string;
  working_dir?: string;
  hostname?: string;
  domainname?: string;
  init?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  read_only?: boolean;
  privileged?: boolean;
  devices?: (string | { source: string; target?: string; permissions?: string })[];
  ulimits?: Record<string, number | string | { soft: number | string; hard: number | string }>;
  logging?: { driver?: string; options?: Record<string, string | number> };
  secrets?: { source: string; target?: string }[];
  configs?: { source: string; target?: string }[];
  container_name?: string;
  stop_signal?: string;
  stop_grace_period?: string;
  tty?: boolean;
  stdin_open?: boolean;
  extra_hosts?: string[];
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  sysctls?: Record<string, string>;
  security_opt?: string[];
  shm_size?: string | number;
  mem_limit?: string | number;
  cpus?: string | number;
  pids_limit?: number;
  pid?: string;
  ipc?: string;
  group_add?: (string | number)[];
  pull_policy?: string;
  profiles?: string[];
  links?: string[];
  volumes_from?: string[];
  develop?: { watch?: { path: string; action: string; target?: string; ignore?: string[] }[] };
  [key: string]: unknown;
}
