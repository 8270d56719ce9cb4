using McastLab.McastTools.Cli;
using System.Net;
using System.Net.Sockets;
using System.Text;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Metrics;

/// <summary>
/// A minimal HTTP/1.1 endpoint on a TcpListener (HttpListener and ASP.NET are not needed for one GET, and
/// this stays NativeAOT-clean): GET or HEAD /metrics answers the exposition, / a pointer to it, anything
/// else 404 or 405. One response per connection (Connection: close), so no client can hold it open.
/// </summary>
internal sealed class MetricsServer : IDisposable
{
    private const int MaximumRequestBytes = 8192;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly TcpListener _listener;
    private readonly Func<string> _render;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private MetricsServer(TcpListener listener, Func<string> render)
    {
        _listener = listener;
        _render = render;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>Where it listens (the port the kernel chose when asked for 0).</summary>
    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>ADDR:PORT, IPv6 in brackets ([::]:9464); port 0 lets the kernel choose.</summary>
    public static IPEndPoint Parse(string text) =>
        IPEndPoint.TryParse(text, out var endpoint) && (text.Contains("]:", StringComparison.Ordinal) || (!text.StartsWith('[') && text.Count(c => c == ':') == 1))
            ? endpoint
            : throw new UsageException($"--metrics '{text}' is not ADDR:PORT; give the address and port to serve /metrics on, e.g. 0.0.0.0:9464 or [::]:9464.");

    /// <summary>Binds at once, so a taken port is a usage error before any group is joined.</summary>
    public static MetricsServer Start(IPEndPoint endpoint, Func<string> render)
    {
        var listener = new TcpListener(endpoint);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            listener.Dispose();
            var why = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the port is in use; choose another port",
                SocketError.AddressNotAvailable => "the address is not one of this host's; give one of its addresses or 0.0.0.0",
                SocketError.AccessDenied => "ports below 1024 need privileges; choose a port of 1024 or more",
                _ => $"{e.Message}; choose another address or port",
            };
            throw new UsageException($"cannot serve metrics on {endpoint}: {why}.");
        }

        return new MetricsServer(listener, render);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(RequestTimeout);
            try
            {
                var stream = client.GetStream();
                var request = await ReadHeadAsync(stream, timeout.Token).ConfigureAwait(false);
                var response = Respond(request);
                await stream.WriteAsync(response, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // A client that hung up or never finished its request: nothing to answer.
            }
        }
    }

    /// <summary>The request head (up to the blank line), or null when it is too long.</summary>
    private static async Task<string?> ReadHeadAsync(NetworkStream stream, CancellationToken cancel)
    {
        var buffer = new byte[MaximumRequestBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancel).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
            var head = Encoding.ASCII.GetString(buffer, 0, length);
            if (head.Contains("\r\n\r\n", StringComparison.Ordinal) || head.Contains("\n\n", StringComparison.Ordinal))
            {
                return head;
            }
        }

        return null;
    }

    /// <summary>The whole response for a request head.</summary>
    public byte[] Respond(string? head)
    {
        var requestLine = head?.Split('\n', 2)[0].TrimEnd('\r').Split(' ');
        if (requestLine is not [var method, var target, var version] || !version.StartsWith("HTTP/", StringComparison.Ordinal))
        {
            return Response("400 Bad Request", "text/plain; charset=utf-8", "a request line is METHOD PATH HTTP/1.1\n", true);
        }

        var path = target.Split('?', 2)[0];
        if (path is not ("/metrics" or "/"))
        {
            return Response("404 Not Found", "text/plain; charset=utf-8", "mcast serves /metrics\n", method != "HEAD");
        }

        if (method is not ("GET" or "HEAD"))
        {
            return Response("405 Method Not Allowed", "text/plain; charset=utf-8", "use GET\n", true, "Allow: GET, HEAD\r\n");
        }

        return path == "/"
            ? Response("200 OK", "text/plain; charset=utf-8", "mcast recv: metrics at /metrics\n", method == "GET")
            : Response("200 OK", PrometheusText.ContentType, _render(), method == "GET");
    }

    private static byte[] Response(string status, string contentType, string body, bool withBody, string extraHeaders = "")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\n{extraHeaders}Connection: close\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. withBody ? bytes : []];
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // Stopping the listener ends the accept loop with an exception; it is done either way.
        }

        _listener.Dispose();
        _stop.Dispose();
    }
}
