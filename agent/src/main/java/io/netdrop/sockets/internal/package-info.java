/** Native socket calls and lock-free tables behind the connection registry; not API. */
package io.netdrop.sockets.internal;
