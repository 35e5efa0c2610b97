/** Agent start-up and command-line code, loaded by the isolated agent class loader; not API. */
package io.netdrop.agent.internal;
