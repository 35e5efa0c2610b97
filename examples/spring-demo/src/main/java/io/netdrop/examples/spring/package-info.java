/** An order service whose endpoints cause real kernel packet drops on its own loopback sockets. */
package io.netdrop.examples.spring;
