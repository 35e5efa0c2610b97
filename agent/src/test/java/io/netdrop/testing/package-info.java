/** Test utilities: running a JVM with the real agent jar in a child process. */
package io.netdrop.testing;
