namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>
/// A stand-in for vagrant that real Packer and VagrantLab drive: it keeps installed boxes in a folder, and at
/// `up` evaluates the Vagrantfile of its working folder and records which box and version Vagrant 2.3 would
/// boot, by Vagrant's rules
/// (plugins/commands/box and lib/vagrant/action/builtin/handle_box.rb): the box named config.vm.box, at the
/// highest installed version config.vm.box_version allows; a box that is not installed is added from
/// config.vm.box_url, or from the box name itself when no URL is set. Then it fails, as no VM boots here.
/// </summary>
internal static class FakeVagrantBoxes
{
    public const string Script = """
        #!/usr/bin/env ruby
        require "fileutils"
        DIR = File.dirname(File.expand_path(__FILE__))
        STORE = File.join(DIR, "boxes")
        File.open(File.join(DIR, "vagrant.calls"), "a") { |f| f.puts ARGV.join(" ") }

        def box_dir(name) = File.join(STORE, name.gsub("/", "-VAGRANTSLASH-"))
        def add(name, version, content)
          FileUtils.mkdir_p(File.join(box_dir(name), version))
          File.write(File.join(box_dir(name), version, "content"), content)
        end
        def versions(name) = Dir.exist?(box_dir(name)) ? Dir.children(box_dir(name)) : []

        options = {}
        positional = []
        args = ARGV.dup
        until args.empty?
          arg = args.shift
          case arg
          when "--box-version", "--provider" then options[arg] = args.shift
          when /\A--provider=(.*)\z/ then options["--provider"] = $1
          when /\A-/ then options[arg] = true
          else positional << arg
          end
        end

        case positional[0]
        when nil
          puts "Vagrant 2.3.4" if options["--version"]
        when "box"
          case positional[1]
          when "add"
            if positional.size == 4 # NAME FILE: a box file, version 0
              add(positional[2], "0", File.read(positional[3]))
            else # a catalog name: what the catalog serves at that version (its newest without one)
              version = options["--box-version"] || "9999"
              add(positional[2], version, "catalog #{positional[2]} #{version}")
            end
          when "remove"
            abort "The box you requested to be removed could not be found." if versions(positional[2]).empty?
            FileUtils.rm_rf(box_dir(positional[2]))
          end
        when "up"
          class Settings
            def initialize
              @values = {}
            end
            def [](key) = @values[key]
            def method_missing(name, *args)
              key = name.to_s
              return @values[key.chomp("=")] = args.first if key.end_with?("=")
              @values[key] ||= Settings.new
            end
            def respond_to_missing?(*) = true
            def synced_folder(*) = nil
            def define(name, **)
              machine = Settings.new
              yield machine
              (@values["machines"] ||= {})[name.to_s] = machine
            end
          end
          TOP = Settings.new
          module Vagrant
            def self.configure(_) = yield(TOP)
            def self.require_version(*) = nil
          end
          vagrantfile = File.join(ENV.fetch("VAGRANT_CWD", Dir.pwd), "Vagrantfile")
          eval(File.read(vagrantfile), TOPLEVEL_BINDING, vagrantfile)
          # `vagrant up NAME` boots that machine; a bare `vagrant up` starts with the first one defined.
          defined = TOP.vm["machines"]
          machine = defined ? defined.fetch(positional[1] || defined.keys.first) : TOP
          name = machine.vm["box"] || TOP.vm["box"]
          requirement = Gem::Requirement.new(machine.vm["box_version"] || ">= 0")
          if versions(name).empty?
            url = machine.vm["box_url"] || name
            abort "box #{name} is not installed and #{url} is no file" unless File.file?(url)
            add(name, "0", File.read(url))
          end
          version = versions(name).select { |v| requirement.satisfied_by?(Gem::Version.new(v)) }.max_by { |v| Gem::Version.new(v) }
          abort "no installed version of #{name} satisfies #{requirement}" if version.nil?
          File.write(File.join(DIR, "booted"), "#{name} #{version}: #{File.read(File.join(box_dir(name), version, "content"))}")
          File.write(File.join(DIR, "machines"), "#{TOP.vm["machines"]&.keys&.join(" ")}\nVAGRANT_NO_PARALLEL=#{ENV["VAGRANT_NO_PARALLEL"]}\n")
          abort "the fake vagrant boots no VM"
        end
        """;

    /// <summary>Installs a box as if `vagrant box add` had.</summary>
    public static void Install(FakeTools tools, string name, string version, string content)
    {
        var directory = Path.Combine(tools.Directory, "boxes", name.Replace("/", "-VAGRANTSLASH-", StringComparison.Ordinal), version);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "content"), content);
    }

    public static IReadOnlyList<string> Installed(FakeTools tools)
    {
        var store = Path.Combine(tools.Directory, "boxes");
        return Directory.Exists(store) ? Directory.EnumerateDirectories(store).Select(Path.GetFileName).OfType<string>().Order().ToList() : [];
    }

    /// <summary>"NAME VERSION: CONTENT" of the box the last `vagrant up` booted.</summary>
    public static string Booted(FakeTools tools) => File.ReadAllText(Path.Combine(tools.Directory, "booted"));
}
