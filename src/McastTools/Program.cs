using McastLab.McastTools.Cli;

using var interruption = new Interruption();
return CommandLine.Run(args, Console.Error, interruption.Token);
