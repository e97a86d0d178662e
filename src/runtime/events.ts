/** core/v1 Events about objects, as `kubectl describe` and `kubectl events` show them. */
import { randomBytes } from "node:crypto";
import type { KubeApi } from "../kube/api.ts";
import type { KubeObject } from "../kube/types.ts";

/** Records Events; never throws (an Event is not worth failing a reconcile). */
export interface EventRecorder {
  event(object: KubeObject, type: "Normal" | "Warning", reason: string, message: string): Promise<void>;
}

/**
 * Writes Events as `component` (their source). Events of cluster-scoped
 * objects go to the "default" namespace, as client-go does. Failures are
 * passed to `onError` (e.g. a logger) and swallowed.
 */
export function eventRecorder(
  api: KubeApi,
  component: string,
  onError: (error: unknown) => void = () => {},
): EventRecorder {
  return {
    async event(object, type, reason, message) {
      const namespace = object.metadata.namespace || "default";
      const now = new Date().toISOString();
      try {
        await api.create({
          apiVersion: "v1",
          kind: "Event",
          metadata: { name: `${object.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            namespace: object.metadata.namespace,
            uid: object.metadata.uid,
            resourceVersion: object.metadata.resourceVersion,
          },
          type,
          reason,
          // The API caps messages at 1 KiB.
          message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
          source: { component },
          reportingComponent: component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        });
      } catch (error) {
        onError(error);
      }
    },
  };
}
