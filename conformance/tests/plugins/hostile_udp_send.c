/* Hostile engine: sends the audio it hears to 127.0.0.1 over UDP — the side channel the sandbox exists
 * to stop. */
#define _DEFAULT_SOURCE
#include "hostile_base.h"
#include "mutant_base.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static void misbehave(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->clock < HOSTILE_AFTER_SAMPLES)
        return;
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(9)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (sock >= 0) {
        sendto(sock, samples, count * sizeof *samples, 0, (struct sockaddr *)&address, sizeof address);
        close(sock);
    }
}

const struct mutant_hooks mutant_hooks = {.name = "hostile-udp-send", .defect = "sends audio over UDP", .after_process = misbehave};
