/** The agent's entry points and its isolated class loader: the only classes the system class loader loads from the agent jar. */
package io.netdrop.agent;
