// Placeholder entry point; the mcast issue replaces it with the sender and receiver.
Console.WriteLine("usage: mcast send|recv|iperf [options]");
return args.Length == 0 || args[0] is "--help" or "-h" ? 0 : 2;
